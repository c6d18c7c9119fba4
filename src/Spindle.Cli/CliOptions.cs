using System.CommandLine;

namespace Spindle.Cli;

/// <summary>
/// Options every command builds the same way: an integer within a range and a choice among words, each checked by
/// the parser so a bad value is reported with the option's name and no stack trace.
/// </summary>
internal static class CliOptions
{
    public static Option<int> Ranged(string name, string description, int defaultValue, int min, int max)
    {
        var option = new Option<int>(name) { Description = $"{description} {min} to {max}; default {defaultValue}.", DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            int value;
            try
            {
                value = r.GetValueOrDefault<int>();
            }
            catch (InvalidOperationException)
            {
                // Not a number: the parser reports that itself, naming the option.
                return;
            }

            if (value < min || value > max)
            {
                r.AddError($"{name} must be between {min} and {max}; got {value}.");
            }
        });
        return option;
    }

    public static Option<string> Choice(string name, string description, string defaultValue, IReadOnlyList<string> choices)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = string.Join('|', choices) };
        option.CompletionSources.Add(choices.ToArray());
        option.Validators.Add(r =>
        {
            string? value = r.GetValueOrDefault<string>();
            if (value is null || !choices.Contains(value, StringComparer.Ordinal))
            {
                r.AddError($"{name} must be one of {string.Join(", ", choices)}; got '{value}'.");
            }
        });
        return option;
    }
}
