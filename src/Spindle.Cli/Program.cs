using System.CommandLine;
using Spindle.Cli;
using Spindle;
using Spindle.Processes;

// A packed tool may be started through a shim; workers then restart this program, so the hook comes first.
WorkerHost.RunIfWorker();

var root = new RootCommand("spindle: processes and threads for .NET — measure them on this machine (lab), render on a farm of worker processes (render), serve it with a live dashboard (serve).");
root.Subcommands.Add(LabCommand.Create());
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(RenderCommand.Create());
root.Subcommands.Add(ServeCommand.Create());

// Ctrl+C and SIGTERM cancel the running command's token; a command that does not stop within the timeout is ended.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(5) };
return await root.Parse(args).InvokeAsync(invocation);
