using Spindle;

namespace Seeds;

/// <summary>The seeds' four examples, line for line.</summary>
internal static class Examples
{
    private const string ParentPidVariable = "SEEDS_PARENT_PID";

    // Seed 1: multiprocessing.Process(target=print_numbers)
    public static void ProcessNumbers()
    {
        // Create a new process
        var process = new WorkerProcess(PrintNumbers);
        process.Start();
        process.Join(); // Wait for the process to finish
    }

    // Seed 1: two threading.Thread(target=print_numbers)
    public static void ThreadNumbers()
    {
        // Create two threads
        var thread1 = new WorkerThread(PrintNumbers);
        var thread2 = new WorkerThread(PrintNumbers);

        thread1.Start(); // Start the first thread
        thread2.Start(); // Start the second thread

        thread1.Join(); // Wait for the first thread to finish
        thread2.Join(); // Wait for the second thread to finish
    }

    // Seed 2: multiprocessing.Process(target=worker, args=(i,)) five times
    public static void ProcessWorkers()
    {
        var processes = new List<WorkerProcess>();
        for (int i = 0; i < 5; i++)
        {
            var p = new WorkerProcess(Worker, i);
            processes.Add(p);
            p.Start();
        }

        foreach (WorkerProcess p in processes)
        {
            p.Join();
        }
    }

    // Seed 2: threading.Thread(target=worker, args=(i,)) five times
    public static void ThreadWorkers()
    {
        var threads = new List<WorkerThread>();
        for (int i = 0; i < 5; i++)
        {
            var t = new WorkerThread(Worker, i);
            threads.Add(t);
            t.Start();
        }

        foreach (WorkerThread t in threads)
        {
            t.Join();
        }
    }

    /// <summary>Makes every worker say which process it runs in; worker processes inherit the variable.</summary>
    public static void ShowPids() =>
        Environment.SetEnvironmentVariable(ParentPidVariable, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static void PrintNumbers()
    {
        ShowPid();
        for (int i = 0; i < 5; i++)
        {
            Console.WriteLine(i);
        }
    }

    private static void Worker(int num)
    {
        ShowPid();
        Console.WriteLine($"Worker: {num}");
    }

    private static void ShowPid()
    {
        if (Environment.GetEnvironmentVariable(ParentPidVariable) is { } parent)
        {
            Console.WriteLine($"pid {Environment.ProcessId} (parent pid {parent})");
        }
    }
}
