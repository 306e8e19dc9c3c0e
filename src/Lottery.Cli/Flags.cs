using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Lottery.Cli;

/// <summary>
/// Typed flags that parse their own values, so a bad value reads like the program's own error
/// ("--lr: 'abc' is not a number") rather than the parser's, and NaN, infinities and overflowing integers are
/// refused before any work starts.
/// </summary>
public static class Flags
{
    public static Option<double?> Number(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r => r.Tokens.Count == 0 ? null : ParseNumber(r, name),
    };

    public static Option<int?> Integer(string name, string description, int min = int.MinValue) => new(name)
    {
        Description = description,
        CustomParser = r => r.Tokens.Count == 0 ? null : ParseInteger(r, name, min),
    };

    public static Option<int> Integer(string name, string description, int defaultValue, int min) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => r.Tokens.Count == 0 ? defaultValue : ParseInteger(r, name, min) ?? defaultValue,
    };

    public static Option<long> Long(string name, string description, long defaultValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            if (r.Tokens.Count == 0) return defaultValue;
            var text = r.Tokens[^1].Value;
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) return v;
            r.AddError($"{name}: '{text}' is not a whole number between {long.MinValue} and {long.MaxValue}");
            return defaultValue;
        },
    };

    /// <summary>A string flag whose value may not be empty or blank.</summary>
    public static Option<string?> Text(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = r =>
        {
            if (r.Tokens.Count == 0) return null;
            var text = r.Tokens[^1].Value;
            if (string.IsNullOrWhiteSpace(text)) r.AddError($"{name} is empty: give a value");
            return text;
        },
    };

    static double? ParseNumber(ArgumentResult r, string name)
    {
        var text = r.Tokens[^1].Value;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            r.AddError($"{name}: '{text}' is not a number");
        else if (!double.IsFinite(v))
            r.AddError($"{name}: '{text}' is not a finite number");
        else return v;
        return null;
    }

    static int? ParseInteger(ArgumentResult r, string name, int min)
    {
        var text = r.Tokens[^1].Value;
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
        {
            r.AddError(long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                ? $"{name}: {text} is too large (at most {int.MaxValue})"
                : $"{name}: '{text}' is not a whole number");
            return null;
        }
        if (v < min)
        {
            r.AddError($"{name} must be at least {min} (got {v})");
            return null;
        }
        return v;
    }
}
