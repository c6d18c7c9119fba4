using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Spindle.Extensions.Hosting.Configuration;

/// <summary>
/// Sets <see cref="WorkerPoolOptions"/> from a configuration section, one key per option, so that every bad value is
/// reported with its full configuration key: <c>Spindle:Pools:render:Workers must be greater than zero (was '0').</c>
/// </summary>
/// <remarks>
/// The options validate themselves in their setters (a value out of range throws, naming the option); this binder turns
/// those refusals, values that do not parse, enum names that do not exist and keys that are no option into one
/// <see cref="OptionsValidationException"/> listing them all, which the host reports at start (<c>ValidateOnStart</c>).
/// ConfigurationBinder is not used because it stops at the first failure, names the option rather than the key, and
/// silently ignores misspelt keys. Options of a type configuration cannot express (a serializer, an initializer, the
/// logger and meter factories) are refused by name, pointing at code.
/// </remarks>
internal static class WorkerPoolConfigurationBinder
{
    /// <summary>The options that configuration can set, by name, compared as configuration compares keys (ignoring case).</summary>
    private static readonly Dictionary<string, PropertyInfo> Settable = typeof(WorkerPoolOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanWrite && p.SetMethod!.IsPublic)
        .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Binds every key of <paramref name="section"/> onto <paramref name="options"/>; throws listing every key that failed.</summary>
    public static void Bind(IConfiguration section, WorkerPoolOptions options, string poolName)
    {
        var failures = new List<string>();
        foreach (IConfigurationSection setting in section.GetChildren())
        {
            string? failure = BindOne(setting, options);
            if (failure is not null)
            {
                failures.Add(failure);
            }
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(poolName, typeof(WorkerPoolOptions), failures);
        }
    }

    private static string? BindOne(IConfigurationSection setting, WorkerPoolOptions options)
    {
        if (!Settable.TryGetValue(setting.Key, out PropertyInfo? property))
        {
            return $"{setting.Path} is not a worker pool option; the options are {string.Join(", ", Settable.Keys.Order(StringComparer.Ordinal))}.";
        }

        Type type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        bool nullable = !property.PropertyType.IsValueType || type != property.PropertyType;
        if (!IsConfigurable(type))
        {
            return $"{setting.Path} cannot be set from configuration (a {property.PropertyType.Name}): set {property.Name} in code, in AddWorkerPool's configure action.";
        }

        if (setting.Value is null && setting.GetChildren().Any())
        {
            return $"{setting.Path} must be a single value, not a section.";
        }

        string raw = setting.Value ?? string.Empty;
        if (!TryParse(raw, type, nullable, out object? value, out string? expected))
        {
            return $"{setting.Path} must be {expected} (was '{raw}').";
        }

        try
        {
            property.SetValue(options, value);
            return null;
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException or PlatformNotSupportedException)
        {
            // The option's own check refused the value: keep its reason, naming the key instead of the option.
            return $"{setting.Path}{WithoutOptionName(ReasonOf(e.InnerException), property.Name)} (was '{raw}').";
        }
    }

    private static bool IsConfigurable(Type type) =>
        type == typeof(string) || type == typeof(bool) || type == typeof(int) || type == typeof(long) || type == typeof(TimeSpan) || type.IsEnum;

    /// <summary>Parses <paramref name="raw"/> as <paramref name="type"/>, or says what was expected instead.</summary>
    private static bool TryParse(string raw, Type type, bool nullable, out object? value, out string? expected)
    {
        value = null;
        expected = null;
        string text = raw.Trim();
        if (type == typeof(string))
        {
            value = raw;
            return true;
        }

        if (text.Length == 0 || text.Equals("null", StringComparison.OrdinalIgnoreCase))
        {
            expected = "a value";
            return nullable;
        }

        if (type == typeof(bool) && bool.TryParse(text, out bool flag))
        {
            value = flag;
        }
        else if (type == typeof(int) && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int number))
        {
            value = number;
        }
        else if (type == typeof(long) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long big))
        {
            value = big;
        }
        else if (type == typeof(TimeSpan) && TryParseTimeSpan(text, out TimeSpan span))
        {
            value = span;
        }
        else if (type.IsEnum && Enum.GetNames(type).FirstOrDefault(n => n.Equals(text, StringComparison.OrdinalIgnoreCase)) is { } named)
        {
            // Names only: a number would pass Enum.Parse whether or not it names a member.
            value = Enum.Parse(type, named);
        }

        expected = value is not null ? null : type switch
        {
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) => "a whole number",
            _ when type == typeof(TimeSpan) => "a time span such as 00:00:30 (hours:minutes:seconds) or Infinite",
            _ => "one of " + string.Join(", ", Enum.GetNames(type)),
        };
        return value is not null;
    }

    private static bool TryParseTimeSpan(string text, out TimeSpan span)
    {
        if (text.Equals("Infinite", StringComparison.OrdinalIgnoreCase))
        {
            span = Timeout.InfiniteTimeSpan;
            return true;
        }

        // A bare number parses as days ("30" is a month), never what a configuration file means: a colon is required.
        span = default;
        return text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out span);
    }

    /// <summary>An exception's own sentence, without the "(Parameter 'x')" and "Actual value was" lines the runtime appends.</summary>
    private static string ReasonOf(Exception e)
    {
        string message = e.Message;
        int end = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (end < 0)
        {
            end = message.IndexOfAny(['\r', '\n']);
        }

        return (end < 0 ? message : message[..end]).TrimEnd('.', ' ');
    }

    /// <summary>"Workers must be greater than zero" becomes " must be greater than zero", to follow the key; any other reason follows a colon.</summary>
    private static string WithoutOptionName(string reason, string option) =>
        reason.StartsWith(option + " ", StringComparison.Ordinal) ? reason[option.Length..] : ": " + reason;
}
