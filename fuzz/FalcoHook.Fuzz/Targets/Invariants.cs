namespace FalcoHook.Fuzz.Targets;

/// <summary>
/// Whether the targets also check their round trips (an alert's JSON read back, a condition printed and parsed again).
/// Off by default, when only what the API would answer with a 500 counts; <c>FALCOHOOK_FUZZ_INVARIANTS=1</c> turns it on.
/// </summary>
public static class Invariants
{
    public static bool Checked { get; } = Environment.GetEnvironmentVariable("FALCOHOOK_FUZZ_INVARIANTS") == "1";
}

/// <summary>A target's own check failed (output that does not read back the same): reported to afl-fuzz as a crash.</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);
