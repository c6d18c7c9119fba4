// The smallest .NET program: the baseline for a worker process's start-up time and memory.
// With --wait it stays alive until standard input closes, so its resident memory can be read.
Console.WriteLine("Hello, World!");
if (args is ["--wait"])
{
    Console.In.ReadLine();
}
