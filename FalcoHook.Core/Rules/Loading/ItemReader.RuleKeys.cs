using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Rules.Loading;

/// <summary>Appending and replacing each key of a rule.</summary>
internal sealed partial class ItemReader
{
    private bool AppendRuleKey(RuleDefinition rule, string key, YNode value)
    {
        switch (key)
        {
            case "condition":
                if (!TryText(value, key, out var condition)) return false;
                rule.Condition = rule.Condition.Append(" ", condition);
                return true;
            case "output":
                if (!TryText(value, key, out var output)) return false;
                rule.Output = rule.Output.Append(" ", output.Trim());
                return true;
            case "desc":
                if (!TryString(value, key, out var desc)) return false;
                rule.Description = rule.Description + " " + desc;
                return true;
            case "tags":
                if (!TryStrings(value, key, out var tags)) return false;
                foreach (var tag in tags) if (!rule.Tags.Contains(tag)) rule.Tags.Add(tag);
                return true;
            case "exceptions":
                if (!TryExceptions(value, appending: true, out var exceptions)) return false;
                foreach (var exception in exceptions)
                {
                    var target = rule.Exceptions.Find(e => e.Name == exception.Name);
                    if (target is null)
                    {
                        if (exception.Fields.Count == 0)
                        {
                            Error(value, $"exception '{exception.Name}' is appended to but not defined; give its 'fields'");
                            return false;
                        }
                        rule.Exceptions.Add(exception);
                    }
                    else if (exception.DeclaresShape)
                    {
                        Error(value, $"exception '{exception.Name}' already exists: an append may add values, not fields or comps");
                        return false;
                    }
                    else target.Values.AddRange(exception.Values);
                }
                return true;
        }
        return false;
    }

    private bool ReplaceRuleKey(RuleDefinition rule, string key, YNode value)
    {
        switch (key)
        {
            case "condition":
                if (!TryText(value, key, out var condition)) return false;
                rule.Condition = condition;
                return true;
            case "output":
                if (!TryText(value, key, out var output)) return false;
                rule.Output = output.Trim();
                return true;
            case "desc":
                if (!TryString(value, key, out var desc)) return false;
                rule.Description = desc;
                return true;
            case "priority":
                if (!TryString(value, key, out var priorityText)) return false;
                if (!Priorities.TryParse(priorityText, out var priority))
                {
                    Error(value, $"invalid priority '{priorityText}'; expected one of {Priorities.Names}");
                    return false;
                }
                rule.Priority = priority;
                return true;
            case "tags":
                if (!TryStrings(value, key, out var tags)) return false;
                rule.Tags = tags.Distinct(StringComparer.Ordinal).ToList();
                return true;
            case "exceptions":
                if (!TryExceptions(value, appending: false, out var exceptions)) return false;
                rule.Exceptions = exceptions;
                return true;
            case "enabled":
                if (!TryBool(value, out var enabled)) return false;
                rule.Enabled = enabled;
                return true;
            case "warn_evttypes":
                if (!TryBool(value, out var warn)) return false;
                rule.WarnEvttypes = warn;
                return true;
            case "skip-if-unknown-filter":
                if (!TryBool(value, out var skip)) return false;
                rule.SkipIfUnknownFilter = skip;
                return true;
            case "capture":
                if (!TryBool(value, out var capture)) return false;
                rule.Capture = capture;
                return true;
            case "capture_duration":
                if (!TryString(value, key, out var durationText)) return false;
                if (!int.TryParse(durationText, out var duration) || duration < 0)
                {
                    Error(value, $"'capture_duration' must be a non-negative integer, got '{durationText}'");
                    return false;
                }
                rule.CaptureDuration = duration;
                return true;
        }
        return false;
    }
}
