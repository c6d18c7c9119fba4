using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Spindle.Cli;

/// <summary>
/// Options every command builds the same way: an integer within a range and a choice among words, each checked by
/// the parser so a bad value is reported with the option's name and no stack trace.
/// </summary>
internal static class CliOptions
{
    public static Option<int> Ranged(string name, string description, int defaultValue, int min, int max)
    {
        var option = new Option<int>(name)
        {
            Description = $"{description} {min} to {max}; default {defaultValue}.",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => WholeNumber(r, name) ?? defaultValue,
        };
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

    /// <summary>An optional whole number, such as a frame index; its range depends on other options, so the command checks it.</summary>
    public static Option<int?> OptionalWholeNumber(string name, string description) =>
        new(name) { Description = description, CustomParser = r => WholeNumber(r, name) };

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

    /// <summary>The option's number; anything else is reported naming the option (the parser's own message names a .NET type).</summary>
    private static int? WholeNumber(ArgumentResult result, string name)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        string token = result.Tokens[^1].Value;
        if (int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
        {
            return value;
        }

        result.AddError($"{name} must be a whole number; got '{token}'.");
        return null;
    }
}
