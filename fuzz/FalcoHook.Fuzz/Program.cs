using FalcoHook.Fuzz;
using FalcoHook.Fuzz.Targets;
using SharpFuzz;

// Usage:
//   FalcoHook.Fuzz <target>                          under afl-fuzz (fuzz/run.sh): one input per run, from stdin
//   FalcoHook.Fuzz replay <target> <input>...        outside afl: runs each input, prints one line of what it threw
//   FalcoHook.Fuzz condition-seeds <dir> <rules>...  writes the rules files' conditions as condition seeds
// The audit target evaluates events against the rules files in FALCOHOOK_FUZZ_RULES (separated by ':').
// A target throws only when the code under test does something the API would answer with a 500 (an exception
// other than the reader's own "invalid input" outcome) or breaks one of the invariants the target checks.
if (args.Length == 0) return Usage();
if (args[0] == "condition-seeds") return args.Length < 3 ? Usage() : ConditionSeeds.Write(args[1], args[2..]);
var replay = args[0] == "replay";
var name = replay ? (args.Length > 2 ? args[1] : null) : args[0];
Action<byte[]>? target = name switch
{
    "alerts" => AlertTarget.Run,
    "audit" => AuditTarget.RunWithEnvironmentRules,
    "rules" => RulesTarget.Run,
    "condition" => ConditionTarget.Run,
    _ => null,
};
if (target is null) return Usage();
if (replay) return Replay.Run(target, args[2..]);

Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target(buffer.ToArray());
});
return 0;

static int Usage()
{
    Console.Error.WriteLine("usage: FalcoHook.Fuzz alerts|audit|rules|condition");
    Console.Error.WriteLine("       FalcoHook.Fuzz replay alerts|audit|rules|condition <input>...");
    Console.Error.WriteLine("       FalcoHook.Fuzz condition-seeds <dir> <rules file>...");
    return 2;
}
