using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Calls;

public class CapturedVariablesTests
{
    [Fact]
    public async Task RunAsync_LambdaCapturesLocals_ValuesAreCopiedToTheWorker()
    {
        await using WorkerPool pool = TestPools.Process();
        int factor = 7;
        string label = "answer";
        var weights = new List<double> { 0.5, 1.5 };

        string result = await pool.RunAsync(x => $"{label}={x * factor + weights.Sum()}", 6).Within("the call");

        Assert.Equal("answer=44", result);
    }

    [Fact]
    public async Task RunAsync_WorkerMutatesCapturedVariable_ChangeDoesNotFlowBack()
    {
        await using WorkerPool pool = TestPools.Process();
        int counter = 1;
        var list = new List<int> { 1 };

        int seenInWorker = await pool.RunAsync(() =>
        {
            counter += 10;
            list.Add(2);
            return counter + list.Count;
        }).Within("the call");

        Assert.Equal(13, seenInWorker);
        Assert.Equal(1, counter);
        Assert.Single(list);
    }

    [Fact]
    public async Task RunAsync_NestedClosures_OuterAndInnerVariablesArrive()
    {
        await using WorkerPool pool = TestPools.Process();
        int outer = 100;
        Func<int, Task<int>> MakeCall(int inner) => x => pool.RunAsync(y => y + inner + outer, x);

        int result = await MakeCall(20)(3).Within("the call");

        Assert.Equal(123, result);
    }

    [Fact]
    public async Task RunAsync_LambdaUsesThisOfASerializableObject_ThisIsCopied()
    {
        await using WorkerPool pool = TestPools.Process();
        var pricing = new Pricing(1.25m);

        decimal total = await pricing.TotalInWorker(pool, 8).Within("the call");

        Assert.Equal(10m, total);
    }

    [Fact]
    public async Task RunAsync_CapturedValueTypes_BinaryAndJsonValuesArrive()
    {
        await using WorkerPool pool = TestPools.Process();
        var when = new DateTime(2026, 11, 22, 1, 2, 3, DateTimeKind.Utc);
        var id = Guid.NewGuid();
        (int A, string B) tuple = (4, "four");
        int[] numbers = [1, 2, 3];

        string result = await pool.RunAsync(() => $"{when:O}|{id}|{tuple.A}{tuple.B}|{numbers.Sum()}").Within("the call");

        Assert.Equal($"{when:O}|{id}|4four|6", result);
    }

    public sealed record Pricing(decimal UnitPrice)
    {
        public Task<decimal> TotalInWorker(WorkerPool pool, int quantity) => pool.RunAsync(q => q * UnitPrice, quantity);
    }
}
