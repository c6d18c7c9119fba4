using MessagePack;
using Spindle.Calls.Serialization;
using Spindle.Serialization.MessagePack;
using Spindle.Tests.Support;

namespace Spindle.Serialization.Tests.MessagePack;

/// <summary>WorkerPoolOptions.SerializerFactory: a serializer with options, rebuilt by each worker process from the same method.</summary>
public class SerializerFactoryTests
{
    [Fact]
    public async Task RunAsync_LambdaFactoryWithLz4AndAResolver_WorkerReadsTheRecordThroughTheConfiguredOptions()
    {
        await using WorkerPool pool = new(new WorkerPoolOptions
        {
            Workers = 1,
            SerializerFactory = () => new MessagePackCallSerializer(StampingOptions.Lz4),
        });
        var sent = new Stamped(new string('x', 500) + "end", ReadByProcess: 0);

        // The worker's copy was read by the configured formatter in the worker; the one coming back, in this process.
        (int readInWorker, Stamped back) = await pool.RunAsync(s => (s.ReadByProcess, s), sent).Within("stamped round trip");

        Assert.NotEqual(0, readInWorker);
        Assert.NotEqual(Environment.ProcessId, readInWorker);
        Assert.Equal(sent.Text, back.Text);
        Assert.Equal(Environment.ProcessId, back.ReadByProcess);
    }

    [Fact]
    public async Task RunAsync_StaticMethodFactory_TheWorkersOwnSerializerReportsTheConfiguredOptions()
    {
        await using WorkerPool pool = new(new WorkerPoolOptions { Workers = 1, SerializerFactory = StampingOptions.Build });

        string report = await pool.RunAsync(StampingOptions.Report).Within("report from the worker");

        string[] parts = report.Split('|');
        Assert.NotEqual(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), parts[0]);
        Assert.Equal("1", parts[1]);
        Assert.Equal(nameof(MessagePackCompression.Lz4BlockArray), parts[2]);
        Assert.Equal(StampingOptions.Lz4.Resolver.GetType().Name, parts[3]);
    }

    [Fact]
    public async Task ThreadIsolation_CallsTheFactoryOnceForThePool()
    {
        int before = ThreadFactory.Calls;
        await using WorkerPool pool = new(new WorkerPoolOptions
        {
            Isolation = Isolation.Thread,
            Workers = 2,
            WarmUp = true,
            SerializerFactory = ThreadFactory.Build,
        });

        await Task.WhenAll(pool.RunAsync(() => 1), pool.RunAsync(() => 2)).Within("two calls on threads");

        Assert.Equal(before + 1, ThreadFactory.Calls);
    }

    [Fact]
    public void SerializerFactory_CapturingLambda_IsRefusedNamingTheOption()
    {
        MessagePackCompression compression = MessagePackCompression.Lz4BlockArray;
        var options = new WorkerPoolOptions();

        var error = Assert.Throws<ArgumentException>(() =>
            options.SerializerFactory = () => new MessagePackCallSerializer(MessagePackCallSerializer.DefaultOptions.WithCompression(compression)));

        Assert.Equal(nameof(WorkerPoolOptions.SerializerFactory), error.ParamName);
        Assert.Contains("captures variables", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot see captured variables", error.Message, StringComparison.Ordinal);
        Assert.Null(options.SerializerFactory);
    }

    [Fact]
    public void SerializerFactory_InstanceMethod_IsRefusedNamingTheOption()
    {
        var error = Assert.Throws<ArgumentException>(() => new WorkerPoolOptions { SerializerFactory = new InstanceFactory().Build });

        Assert.Equal(nameof(WorkerPoolOptions.SerializerFactory), error.ParamName);
        Assert.Contains(nameof(InstanceFactory), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SerializerAndSerializerFactory_BothSet_IsRefusedNamingBoth()
    {
        var factoryLast = Assert.Throws<ArgumentException>(() => new WorkerPoolOptions
        {
            Serializer = new MessagePackCallSerializer(),
            SerializerFactory = () => new MessagePackCallSerializer(StampingOptions.Lz4),
        });
        var serializerLast = Assert.Throws<ArgumentException>(() => new WorkerPoolOptions
        {
            SerializerFactory = () => new MessagePackCallSerializer(StampingOptions.Lz4),
            Serializer = new MessagePackCallSerializer(),
        });

        foreach (ArgumentException error in new[] { factoryLast, serializerLast })
        {
            Assert.Contains("Serializer and SerializerFactory cannot both be set", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(nameof(WorkerPoolOptions.SerializerFactory), factoryLast.ParamName);
        Assert.Equal(nameof(WorkerPoolOptions.Serializer), serializerLast.ParamName);
    }

    private static class ThreadFactory
    {
        private static int _calls;

        public static int Calls => _calls;

        public static ICallSerializer Build()
        {
            Interlocked.Increment(ref _calls);
            return new MessagePackCallSerializer(StampingOptions.Lz4);
        }
    }

    private sealed class InstanceFactory
    {
        public ICallSerializer Build() => new MessagePackCallSerializer();
    }
}
