using System.CommandLine;
using System.CommandLine.Invocation;
using System.Runtime.InteropServices;
using Spectre.Console;
using Spindle.Cli;
using Spindle.Cli.Cluster;
using Spindle;
using Spindle.Processes;

// A packed tool may be started through a shim; workers then restart this program, so the hook comes first.
WorkerHost.RunIfWorker();

AnsiConsole.Console = CliConsole.Create();

var root = new RootCommand("spindle: processes and threads for .NET — measure them on this machine (lab), render on a farm of worker processes (render), serve it with a live dashboard (serve), run calls for pools on other machines (agent), try a cluster on this machine (cluster demo). Exit codes: 0 done, 1 the run failed, 2 bad input (an unknown option, a bad or missing value, an --out that cannot be written), 3 a thread-isolated render died, 130 interrupted.");
root.Subcommands.Add(LabCommand.Create());
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(RenderCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
Command agent = AgentCommand.Create();
root.Subcommands.Add(agent);
root.Subcommands.Add(ClusterCommand.Create());

// Ctrl+C and SIGTERM cancel the running command's token; a command that does not stop within the timeout is ended.
// The agent handles them itself: its drain lasts as long as the calls it holds; so does the cluster demo, whose stop of
// the agents and server it started is bounded and must not be cut short.
ParseResult parse = root.Parse(args);
bool stopsItself = parse.CommandResult.Command == agent || ClusterCommand.IsDemo(parse.CommandResult.Command);
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = stopsItself ? null : TimeSpan.FromSeconds(5) };

// The parser registers its own handlers only once the command has reached its first wait: a Ctrl+C in between (a
// connection just opened, on a loaded machine) met the runtime's default and ended the process at once, without a
// word or any cleanup. These are there before the command starts, and cancel the same token.
using var interrupted = new CancellationTokenSource();
using PosixSignalRegistration? earlyInterrupt = stopsItself ? null : PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using PosixSignalRegistration? earlyTerminate = stopsItself ? null : PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
int exitCode = await parse.InvokeAsync(invocation, interrupted.Token);

// The parser prints its own errors (unknown option, bad value, missing argument) but exits 1; bad input exits 2 everywhere.
return parse.Action is ParseErrorAction ? ExitCodes.Usage : exitCode;

void Interrupt(PosixSignalContext context)
{
    context.Cancel = true;
    SignalCancel.Cancel(interrupted);
}
