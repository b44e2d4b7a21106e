using System.Diagnostics;
using Xunit.Sdk;

namespace FalcoHook.Tests.Support;

/// <summary>
/// The Debian programs the real-server tests run (PostgreSQL, Alertmanager, Chromium, NATS, …). Where one is absent
/// the test is skipped with the reason (a developer's machine); with <c>CI=true</c> an absent one fails the test,
/// since <c>.ci/run</c> installs them all. Tests that use it are <c>[SkippableFact]</c>s and call
/// <see cref="Require"/> first (a fixture records the absence; the test raises it).
/// </summary>
public static class SystemBinary
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The program's full path: the first of <paramref name="candidates"/> that exists, else <paramref name="name"/> on PATH; null when none.</summary>
    public static string? Find(string name, params string[] candidates)
    {
        foreach (var candidate in candidates)
            if (File.Exists(candidate)) return candidate;
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>
    /// The program's full path, or the test stops: skipped, naming the Debian package, or failed under <c>CI=true</c>.
    /// </summary>
    public static string Require(string name, string debianPackage, params string[] candidates)
    {
        var path = Find(name, candidates);
        if (path is not null) return path;
        var reason = $"'{name}' is not installed (Debian package '{debianPackage}'; .ci/run installs it)";
        if (InCi) throw new XunitException($"{reason}, and CI=true does not allow skipping this test.");
        throw new Xunit.SkipException(reason);
    }

    /// <summary>
    /// Servers that refuse to run as root (PostgreSQL) run as this unprivileged account when the tests run as root,
    /// as CI does: created on first use. Null when the tests do not run as root (the server runs as the current user).
    /// </summary>
    public static string? UnprivilegedUser()
    {
        if (Environment.UserName != "root") return null;
        const string user = "falcohook-test";
        lock (UserLock)
        {
            if (Run("id", "-u", user) != 0 && Run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user) != 0)
                throw new InvalidOperationException($"Could not create the unprivileged user '{user}' for the test servers.");
        }
        return user;
    }

    /// <summary>A start info for <paramref name="program"/> that runs as <paramref name="user"/> (through <c>runuser</c>) when one is given.</summary>
    public static ProcessStartInfo StartAs(string? user, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(user is null ? program : "runuser") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (user is not null) { start.ArgumentList.Add("-u"); start.ArgumentList.Add(user); start.ArgumentList.Add("--"); start.ArgumentList.Add(program); }
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        return start;
    }

    private static readonly Lock UserLock = new();

    private static int Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
