// The seeds' Python examples in C#: multiprocessing.Process is WorkerProcess, threading.Thread is WorkerThread.
// Usage: Seeds [process-numbers|thread-numbers|process-workers|thread-workers|all] [--show-pids]
using Seeds;

(string Name, string Heading, Action Run)[] examples =
[
    ("process-numbers", "print_numbers in a new process (seed 1)", Examples.ProcessNumbers),
    ("thread-numbers", "print_numbers on two threads (seed 1)", Examples.ThreadNumbers),
    ("process-workers", "worker(num) in five processes (seed 2)", Examples.ProcessWorkers),
    ("thread-workers", "worker(num) on five threads (seed 2)", Examples.ThreadWorkers),
];

string chosen = args.FirstOrDefault(a => !a.StartsWith('-')) ?? "all";
if (chosen != "all" && !examples.Any(e => e.Name == chosen))
{
    Console.Error.WriteLine($"Unknown example '{chosen}'. Usage: Seeds [{string.Join('|', examples.Select(e => e.Name))}|all] [--show-pids]");
    return 2;
}

if (args.Contains("--show-pids"))
{
    Examples.ShowPids();
}

foreach ((string name, string heading, Action run) in examples.Where(e => chosen == "all" || e.Name == chosen))
{
    if (chosen == "all")
    {
        Console.WriteLine($"== {name}: {heading} ==");
    }

    run();
}

return 0;
