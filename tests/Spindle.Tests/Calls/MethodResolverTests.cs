using System.Reflection;
using Spindle;
using Spindle.Calls;

namespace Spindle.Tests.Calls;

/// <summary>
/// The worker's lookup of a method from its wire key, in this process: the quick lookup by metadata token (plain
/// types) and the lookup through the type name (generic types) find exactly the method the caller meant, and a key
/// from another build or a token that is not there fails with a clear message.
/// </summary>
public class MethodResolverTests
{
    [Fact]
    public void Resolve_LambdaKey_FindsTheSameMethod()
    {
        int offset = 3;
        Func<int, int> fn = x => x + offset;

        ResolvedMethod resolved = MethodResolver.Resolve(KeyOf(fn));

        Assert.Same(fn.Method, resolved.Method);
    }

    [Fact]
    public void Resolve_StaticOverloads_EachKeyFindsItsOwnOverload()
    {
        Func<int, string> fromInt = Describe;
        Func<string, string> fromString = Describe;

        Assert.Same(fromInt.Method, MethodResolver.Resolve(KeyOf(fromInt)).Method);
        Assert.Same(fromString.Method, MethodResolver.Resolve(KeyOf(fromString)).Method);
    }

    [Fact]
    public void Resolve_MethodOfAGenericType_FindsTheMethodOnThatInstantiation()
    {
        Func<int, string> fn = new Holder<int>().Show;

        ResolvedMethod resolved = MethodResolver.Resolve(KeyOf(fn));

        Assert.Equal(typeof(Holder<int>), resolved.Method.DeclaringType);
        Assert.Equal(fn.Method, resolved.Method);
    }

    [Fact]
    public void Resolve_GenericMethod_IsBoundToTheKeysTypeArguments()
    {
        Func<long, string> fn = NameOf;

        ResolvedMethod resolved = MethodResolver.Resolve(KeyOf(fn));

        Assert.Equal(fn.Method, resolved.Method);
        Assert.Equal([typeof(long)], resolved.Method.GetGenericArguments());
    }

    [Fact]
    public void Resolve_KeyFromAnotherBuild_ThrowsNamingTheAssembly()
    {
        Func<int, string> fn = Describe;
        string[] parts = KeyOf(fn).Split('|');
        parts[1] = Guid.NewGuid().ToString("N");

        var failure = Assert.Throws<InvalidOperationException>(() => MethodResolver.Resolve(string.Join('|', parts)));

        Assert.Contains("different build", failure.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(MethodResolverTests).Assembly.GetName().Name!, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_TokenThatIsNoMethodOfTheType_ThrowsMissingMethod()
    {
        Func<int, string> fn = Describe;
        string[] parts = KeyOf(fn).Split('|');
        parts[0] = 0x06FFFFF0.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

        var failure = Assert.Throws<MissingMethodException>(() => MethodResolver.Resolve(string.Join('|', parts)));

        Assert.Contains("06fffff0", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_TokenOfAMethodOnAnotherType_IsNotTakenForTheNamedType()
    {
        // A token found in the module but declared on a different type than the key names must not be accepted.
        Func<int, string> elsewhere = new Holder<int>().Show;
        Func<int, string> here = Describe;
        string[] parts = KeyOf(here).Split('|');
        parts[0] = elsewhere.Method.MetadataToken.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

        Assert.Throws<MissingMethodException>(() => MethodResolver.Resolve(string.Join('|', parts)));
    }

    private static string KeyOf(Delegate fn) => MethodTemplate.For(fn, nameof(fn)).Key;

    private static string Describe(int value) => $"int {value}";

    private static string Describe(string value) => $"string {value}";

    private static string NameOf<T>(T value) => typeof(T).Name + value;

    private sealed class Holder<T>
    {
        public string Show(T value) => $"{typeof(T).Name} {value}";
    }
}
