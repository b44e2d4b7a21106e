using System.Diagnostics;

namespace FalcoHook.Fuzz;

/// <summary>
/// Runs inputs outside afl-fuzz and prints, per input, one tab-separated line: <c>input</c>, then <c>ok</c> or the
/// exception type with the first FalcoHook frame. fuzz/run.sh sorts the crashes it found with it, and restarts it
/// past an input that ends the process (a stack overflow prints no line).
/// </summary>
internal static class Replay
{
    public static int Run(Action<byte[]> target, IEnumerable<string> paths)
    {
        var failed = 0;
        foreach (var path in paths)
        {
            var input = File.ReadAllBytes(path);
            var clock = Stopwatch.StartNew();
            string outcome;
            try
            {
                target(input);
                outcome = $"ok ({input.Length} bytes, {clock.ElapsedMilliseconds} ms)";
            }
            catch (Exception e)
            {
                failed++;
                outcome = $"{e.GetType().FullName} at {OwnFrame(e)}: {FirstLine(e.Message)}";
            }
            Console.Out.WriteLine($"{path}\t{outcome}");
            Console.Out.Flush();
        }
        return failed == 0 ? 0 : 1;
    }

    /// <summary>The innermost frame of FalcoHook.Core (else the first frame): where the exception left our code.</summary>
    private static string OwnFrame(Exception e)
    {
        var frames = new StackTrace(e, fNeedFileInfo: false).GetFrames();
        var own = frames.FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Namespace?.StartsWith("FalcoHook.Core", StringComparison.Ordinal) == true)
            ?? frames.FirstOrDefault();
        var method = own?.GetMethod();
        return method is null ? "?" : $"{method.DeclaringType?.FullName}.{method.Name}";
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        var line = end < 0 ? text : text[..end];
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}
