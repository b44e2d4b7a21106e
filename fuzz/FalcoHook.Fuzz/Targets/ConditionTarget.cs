using FalcoHook.Core.Rules.Language;

namespace FalcoHook.Fuzz.Targets;

/// <summary>
/// The condition parser: the input as one condition. A <see cref="ConditionSyntaxException"/> is the expected
/// outcome for bad input. A condition that parses is printed; with <see cref="Invariants.Checked"/>, the print must
/// parse back to the same print.
/// </summary>
public static class ConditionTarget
{
    public static void Run(byte[] input)
    {
        var text = System.Text.Encoding.UTF8.GetString(input);
        Expr parsed;
        try
        {
            parsed = ConditionParser.Parse(text);
        }
        catch (ConditionSyntaxException e)
        {
            if (Invariants.Checked && (e.Pos.Offset < 0 || e.Pos.Offset > text.Length))
                throw new FuzzInvariantException($"a syntax error at offset {e.Pos.Offset} of a {text.Length}-character condition");
            return;
        }
        var printed = AstPrinter.Print(parsed);
        if (!Invariants.Checked) return;
        Expr reparsed;
        try
        {
            reparsed = ConditionParser.Parse(printed);
        }
        catch (ConditionSyntaxException e)
        {
            throw new FuzzInvariantException($"the printed condition does not parse ({e.Message}): {printed}");
        }
        var again = AstPrinter.Print(reparsed);
        if (again != printed) throw new FuzzInvariantException($"print, parse, print differs:\n{printed}\n{again}");
    }
}
