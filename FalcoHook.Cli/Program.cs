using FalcoHook.Cli;

return args.FirstOrDefault() switch
{
    "validate" => ValidateCommand.Run(args[1..], Console.Out, Console.Error),
    "replay" => ReplayCommand.Run(args[1..], Console.Out, Console.Error),
    "import" => FalcoHook.Cli.Import.ImportCommand.Run(args[1..], Console.Out, Console.Error),
    "storage" => StorageCommand.Run(args[1..], Console.Out, Console.Error),
    _ => Usage.Print(Console.Error),
};
