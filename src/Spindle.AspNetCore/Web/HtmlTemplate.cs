using System.Text;

namespace Spindle.AspNetCore.Web;

/// <summary>Fills <c>{{name}}</c> placeholders of an embedded HTML page. Callers HTML-encode every value that carries data.</summary>
internal static class HtmlTemplate
{
    public static string Fill(string template, IReadOnlyDictionary<string, string> values)
    {
        var page = new StringBuilder(template);
        foreach ((string name, string value) in values)
        {
            page.Replace("{{" + name + "}}", value);
        }

        return page.ToString();
    }
}
