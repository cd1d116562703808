using Milter.Daemon.Commands;
using Milter.Daemon.Commands.Doctor;
using Milter.Daemon.Startup;

// dkim-milter: the milter daemon (opendkim's command line), or one of its tools named by the first argument.
return args.FirstOrDefault() switch
{
    "doctor" => await DoctorCommand.RunAsync(args[1..], Console.Out, Console.Error),
    "explain" => ExplainCommand.Run(args[1..], Console.Out, Console.Error),
    "genkey" => GenkeyCommand.Run(args[1..], Console.Out, Console.Error),
    "testkey" => await TestkeyCommand.RunAsync(args[1..], Console.Out, Console.Error),
    "rotate" => await RotateCommand.RunAsync(args[1..], Console.Out, Console.Error),
    _ => await DaemonCommand.RunAsync(args),
};
