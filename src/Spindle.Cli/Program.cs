using System.CommandLine;
using Spindle.Cli;
using Spindle.Processes;

// A packed tool may be started through a shim; workers then restart this program, so the hook comes first.
WorkerHost.RunIfWorker();

var root = new RootCommand("spindle: processes and threads for .NET — check and measure them on this machine.");
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(LabCommand.Create());
return await root.Parse(args).InvokeAsync();
