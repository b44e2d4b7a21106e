using FalcoHook.Core.Rules.Language;

namespace FalcoHook.Core.Rules.Loading;

/// <summary>Typed reads of YAML values, each reporting a precise error on a wrong shape.</summary>
internal sealed partial class ItemReader
{
    public void Error(YNode node, string message) =>
        definitions.Diagnostics.Add(new RuleDiagnostic(DiagnosticSeverity.Error, message, At(node), _kind, _name));

    public void Warn(YNode node, string message) =>
        definitions.Diagnostics.Add(new RuleDiagnostic(DiagnosticSeverity.Warning, message, At(node), _kind, _name));

    private SourceLocation At(YNode node) => RulesReader.At(file, node.Start);

    private bool TryName(YNode node, out string name)
    {
        name = "";
        if (node is YScalar scalar && !scalar.IsNull && scalar.Value.Trim().Length > 0)
        {
            name = scalar.Value;
            return true;
        }
        Error(node, $"the {_kind} name must be a non-empty string");
        return false;
    }

    private bool TryString(YNode node, string key, out string value)
    {
        value = "";
        if (node is YScalar scalar)
        {
            value = scalar.IsNull ? "" : scalar.Value;
            return true;
        }
        Error(node, $"'{key}' must be a string");
        return false;
    }

    private bool TryText(YNode node, string key, out LocatedText text)
    {
        text = LocatedText.Generated("", null);
        if (node is YScalar scalar)
        {
            text = scalar.IsNull ? LocatedText.Generated("", At(node)) : LocatedText.FromScalar(file, scalar);
            return true;
        }
        Error(node, $"'{key}' must be a string");
        return false;
    }

    private bool TryStrings(YNode node, string key, out List<string> values)
    {
        values = [];
        if (node is YScalar { IsNull: true }) return true;
        if (node is not YSequence seq)
        {
            Error(node, $"'{key}' must be a sequence");
            return false;
        }
        foreach (var item in seq.Items)
        {
            if (item is not YScalar scalar)
            {
                Error(item, $"every item of '{key}' must be a string or a number");
                return false;
            }
            values.Add(scalar.Value);
        }
        return true;
    }

    private bool TryBool(YNode node, out bool value)
    {
        value = false;
        if (node is YScalar scalar)
        {
            switch (scalar.Value.ToLowerInvariant())
            {
                case "true" or "yes" or "on": value = true; return true;
                case "false" or "no" or "off": value = false; return true;
            }
        }
        Error(node, "expected a boolean (true or false)");
        return false;
    }

    private bool TryExceptions(YNode node, bool appending, out List<ExceptionDefinition> exceptions)
    {
        exceptions = [];
        if (node is YScalar { IsNull: true }) return true;
        if (node is not YSequence seq)
        {
            Error(node, "'exceptions' must be a sequence of {name, fields, comps, values}");
            return false;
        }
        foreach (var item in seq.Items)
        {
            if (item is not YMapping map)
            {
                Error(item, "each exception must be a mapping with 'name'");
                return false;
            }
            var keys = new Dictionary<string, YNode>(StringComparer.Ordinal);
            foreach (var (key, value) in map.Entries)
            {
                if (key.Value is not ("name" or "fields" or "comps" or "values"))
                    Warn(key, $"unknown exception key '{key.Value}' ignored");
                keys[key.Value] = value;
            }
            if (!keys.TryGetValue("name", out var nameNode) || nameNode is not YScalar { IsNull: false } nameScalar)
            {
                Error(item, "an exception needs a 'name'");
                return false;
            }
            var exception = new ExceptionDefinition(nameScalar.Value, At(item))
            {
                DeclaresShape = keys.ContainsKey("fields") || keys.ContainsKey("comps"),
            };
            if (keys.TryGetValue("fields", out var fields) && !TryExceptionFields(exception, fields, keys.GetValueOrDefault("comps")))
                return false;
            if (!keys.ContainsKey("fields") && !appending)
            {
                Error(item, $"exception '{exception.Name}' needs 'fields'");
                return false;
            }
            if (keys.TryGetValue("values", out var values))
            {
                if (!TryExceptionValues(exception, values, appending && !keys.ContainsKey("fields"))) return false;
            }
            exceptions.Add(exception);
        }
        return true;
    }

    private bool TryExceptionFields(ExceptionDefinition exception, YNode fields, YNode? comps)
    {
        if (fields is YScalar fieldScalar)
        {
            exception.FieldsIsList = false;
            exception.Fields = [fieldScalar.Value];
            var comp = "in";
            if (comps is not null)
            {
                if (comps is not YScalar compScalar)
                {
                    Error(comps, "with a single field, 'comps' must be a single operator");
                    return false;
                }
                comp = compScalar.Value;
            }
            if (comp is not ("in" or "pmatch" or "intersects"))
            {
                Error(comps!, $"with a single field, 'comps' must be in, pmatch or intersects, not '{comp}'");
                return false;
            }
            exception.Comps = [comp];
            return true;
        }
        if (!TryStrings(fields, "fields", out var fieldList)) return false;
        exception.FieldsIsList = true;
        exception.Fields = fieldList;
        if (comps is null)
        {
            exception.Comps = fieldList.Select(_ => "=").ToList();
            return true;
        }
        if (!TryStrings(comps, "comps", out var compList)) return false;
        if (compList.Count != fieldList.Count)
        {
            Error(comps, $"exception '{exception.Name}' has {fieldList.Count} fields but {compList.Count} comps");
            return false;
        }
        foreach (var comp in compList)
        {
            if (!Operators.IsBinary(comp))
            {
                Error(comps, $"'{comp}' is not a comparison operator");
                return false;
            }
        }
        exception.Comps = compList;
        return true;
    }

    private bool TryExceptionValues(ExceptionDefinition exception, YNode node, bool shapeUnknown)
    {
        if (node is YScalar { IsNull: true }) return true;
        if (node is not YSequence seq)
        {
            Error(node, $"'values' of exception '{exception.Name}' must be a sequence");
            return false;
        }
        foreach (var item in seq.Items)
        {
            var value = ToValue(item);
            if (value is null)
            {
                Error(item, "exception values must be strings or lists of strings");
                return false;
            }
            if (!shapeUnknown && exception.FieldsIsList)
            {
                if (!value.IsList || value.Items!.Count != exception.Fields.Count)
                {
                    Error(item, $"each value of exception '{exception.Name}' must be a list of {exception.Fields.Count} item(s), one per field");
                    return false;
                }
            }
            else if (!shapeUnknown && value.IsList)
            {
                Error(item, $"exception '{exception.Name}' has a single field: its values must be plain strings");
                return false;
            }
            exception.Values.Add(value);
        }
        return true;
    }

    private static ExceptionValue? ToValue(YNode node, int depth = 0)
    {
        if (node is YScalar scalar) return new ExceptionValue { Scalar = scalar.Value };
        if (node is YSequence seq && depth < 2)
        {
            var items = new List<ExceptionValue>(seq.Items.Count);
            foreach (var item in seq.Items)
            {
                var value = ToValue(item, depth + 1);
                if (value is null) return null;
                items.Add(value);
            }
            return new ExceptionValue { Items = items };
        }
        return null;
    }
}
