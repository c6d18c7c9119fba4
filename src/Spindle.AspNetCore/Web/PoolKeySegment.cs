using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Spindle.AspNetCore.Web;

/// <summary>
/// The <c>{pool}</c> segment of <c>api/pools/{pool}/…</c>: the pool's key, percent-encoded twice by the page, dots
/// included (<c>img/thumbs</c> → <c>img%252Fthumbs</c>, <c>..</c> → <c>%252E%252E</c>), unescaped once here after the
/// server's own decoding.
/// </summary>
/// <remarks>
/// Once would not do: the server decodes every escape of a path but <c>%2F</c>, so <c>img%2Fthumbs</c> arrives the same
/// whether the key is <c>img/thumbs</c> or <c>img%2Fthumbs</c>, and browsers and servers drop a <c>..</c> segment,
/// escaped or not, before routing. Encoded twice, every key arrives whole; a key without <c>%</c> and not made of dots
/// also arrives whole encoded once, as a hand-written request would send it.
/// </remarks>
internal static class PoolKeySegment
{
    public static string Read(HttpContext context) => Uri.UnescapeDataString(context.GetRouteValue("pool") as string ?? "");
}
