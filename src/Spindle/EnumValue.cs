namespace Spindle;

/// <summary>
/// Checks an enum argument as every other option is checked, when it is set: a cast integer such as <c>(Isolation)2</c>
/// compiles, and would otherwise fail far from where it was passed (a NullReferenceException when the pool starts a worker).
/// </summary>
internal static class EnumValue
{
    /// <summary>Returns <paramref name="value"/> if it is one of <typeparamref name="T"/>'s named values; otherwise throws naming <paramref name="name"/>.</summary>
    public static T Defined<T>(T value, string name)
        where T : struct, Enum =>
        Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be one of {string.Join(", ", Enum.GetNames<T>())}; {value} is not.");
}
