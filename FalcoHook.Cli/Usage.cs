namespace FalcoHook.Cli;

internal static class Usage
{
    public const string Text = """
        usage:
          falcohook validate <file|dir>...
              Loads the rules files together, in order (a directory gives its *.yaml and *.yml, sorted),
              prints file:line:col: error|warning: message for each problem; exit code 1 on any error.
          falcohook replay --rules F [--rules F ...] --events F [--source S] [--matching first|all]
              Runs events (JSON Lines; source k8s_audit by default) through the rules and prints every
              alert as one JSON line.
          falcohook import falcosidekick <config.yaml>
          falcohook import falcosidekick --env [file]
              Prints the FalcoHook configuration (JSON) equivalent to a Falcosidekick config file, or to its
              environment variables (SLACK_WEBHOOKURL…; the process environment, or KEY=value lines of a file);
              lists on stderr each setting it could not carry over and why.
          falcohook storage migrate --from <sqlite connection string> --to <postgres connection string>
              Copies silences, managed rules and their history, pending and dead deliveries, the inbox, the dead
              inbox and the pipeline state into PostgreSQL under the same ids; rows there already are kept, so it is
              safe to run twice. Stop the service on the SQLite file first.
        """;

    public static int Print(TextWriter error)
    {
        error.WriteLine(Text);
        return 2;
    }
}
