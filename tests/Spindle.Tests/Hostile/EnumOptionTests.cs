using System.Reflection;
using Spindle;
using Spindle.Pools;
using Spindle.Sync;

namespace Spindle.Tests.Hostile;

/// <summary>
/// An enum argument is only as valid as the integer cast into it: <c>(Isolation)2</c> compiles. Every public input of
/// an enum type refuses a value the enum does not name, when it is given, naming the option or parameter.
/// </summary>
public class EnumOptionTests
{
    /// <summary>Values none of the enums names (2 is Isolation's next, the one that used to fail as a NullReferenceException).</summary>
    public static TheoryData<int> Undefined => new(-1, 99, int.MaxValue);

    [Theory]
    [MemberData(nameof(Undefined))]
    [InlineData(2)]
    public void WorkerPoolOptions_Isolation_UndefinedValue_ThrowsNamingTheOption(int value)
    {
        var options = new WorkerPoolOptions();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => options.Isolation = (Isolation)value);

        Assert.Equal(nameof(WorkerPoolOptions.Isolation), error.ParamName);
        Assert.Contains("Isolation must be one of Process, Thread", error.Message, StringComparison.Ordinal);
        Assert.Equal(Isolation.Process, options.Isolation);
    }

    [Theory]
    [InlineData(Isolation.Process)]
    [InlineData(Isolation.Thread)]
    public void WorkerPoolOptions_Isolation_DefinedValue_IsKept(Isolation isolation)
    {
        var options = new WorkerPoolOptions { Isolation = isolation };

        Assert.Equal(isolation, options.Isolation);
    }

    [Theory]
    [MemberData(nameof(Undefined))]
    [InlineData(2)]
    public void WorkerPoolOptions_QueueFullMode_UndefinedValue_ThrowsNamingTheOption(int value)
    {
        var options = new WorkerPoolOptions();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => options.QueueFullMode = (QueueFullMode)value);

        Assert.Equal(nameof(WorkerPoolOptions.QueueFullMode), error.ParamName);
        Assert.Contains("QueueFullMode must be one of Wait, Fail", error.Message, StringComparison.Ordinal);
        Assert.Equal(QueueFullMode.Wait, options.QueueFullMode);
    }

    [Theory]
    [MemberData(nameof(Undefined))]
    [InlineData(2)]
    public void WorkerPoolOptions_WorkerOutput_UndefinedValue_ThrowsNamingTheOption(int value)
    {
        var options = new WorkerPoolOptions();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => options.WorkerOutput = (WorkerOutput)value);

        Assert.Equal(nameof(WorkerPoolOptions.WorkerOutput), error.ParamName);
        Assert.Contains("WorkerOutput must be one of Console, Logger", error.Message, StringComparison.Ordinal);
        Assert.Equal(WorkerOutput.Console, options.WorkerOutput);
    }

    [Theory]
    [MemberData(nameof(Undefined))]
    [InlineData(2)]
    public void CallTimeoutException_UndefinedIsolation_ThrowsNamingTheParameter(int value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CallTimeoutException(TimeSpan.FromSeconds(1), (Isolation)value));

        Assert.Equal("isolation", error.ParamName);
    }

    [Theory]
    [MemberData(nameof(Undefined))]
    [InlineData(2)]
    public void WorkerInfo_UndefinedIsolation_ThrowsNamingTheParameter(int value)
    {
        var valid = new WorkerInfo(1, Isolation.Thread, Busy: false, CallsDone: 0, DateTimeOffset.UnixEpoch);

        var created = Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerInfo(1, (Isolation)value, Busy: false, CallsDone: 0, DateTimeOffset.UnixEpoch));
        var copied = Assert.Throws<ArgumentOutOfRangeException>(() => valid with { Isolation = (Isolation)value });

        Assert.Equal(nameof(WorkerInfo.Isolation), created.ParamName);
        Assert.Equal(nameof(WorkerInfo.Isolation), copied.ParamName);
        Assert.Equal(Isolation.Thread, valid.Isolation);
    }

    [Theory]
    [MemberData(nameof(Undefined))]
    public void WorkerExitedEventArgs_UndefinedReason_ThrowsNamingTheParameter(int value)
    {
        var valid = new WorkerExitedEventArgs("pool", 1, WorkerExitReason.Retired, Exit: null);

        var created = Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerExitedEventArgs("pool", 1, (WorkerExitReason)value, Exit: null));
        var copied = Assert.Throws<ArgumentOutOfRangeException>(() => valid with { Reason = (WorkerExitReason)value });

        Assert.Equal(nameof(WorkerExitedEventArgs.Reason), created.ParamName);
        Assert.Equal(nameof(WorkerExitedEventArgs.Reason), copied.ParamName);
        Assert.Equal(WorkerExitReason.Retired, valid.Reason);
    }

    [Theory]
    [MemberData(nameof(Undefined))]
    public void SharedEvent_Create_UndefinedMode_ThrowsNamingTheParameter(int value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SharedEvent.Create((EventResetMode)value));

        Assert.Equal("mode", error.ParamName);
    }

    /// <summary>
    /// The public inputs of an enum type, found by reflection, are exactly the ones tested above: a new one fails
    /// here until it validates its value and gets a test of its own.
    /// </summary>
    [Fact]
    public void PublicApi_EveryEnumInput_IsOneTestedHere()
    {
        string[] tested =
        [
            "Spindle.CallTimeoutException..ctor(isolation)",
            "Spindle.WorkerExitedEventArgs..ctor(Reason)",
            "Spindle.WorkerExitedEventArgs.Reason",
            "Spindle.WorkerInfo..ctor(Isolation)",
            "Spindle.WorkerInfo.Isolation",
            "Spindle.WorkerPoolOptions.Isolation",
            "Spindle.WorkerPoolOptions.QueueFullMode",
            "Spindle.WorkerPoolOptions.WorkerOutput",
            "Spindle.Sync.SharedEvent.Create(mode)",
        ];

        Assert.Equal(tested.Order(StringComparer.Ordinal), PublicEnumInputs(typeof(WorkerPool).Assembly).Order(StringComparer.Ordinal));
    }

    private static string[] PublicEnumInputs(Assembly assembly)
    {
        static bool IsEnum(Type type) => (Nullable.GetUnderlyingType(type) ?? type).IsEnum;
        const BindingFlags Declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var inputs = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Type type in assembly.GetExportedTypes())
        {
            IEnumerable<MethodBase> members = type.GetConstructors()
                .Concat<MethodBase>(type.GetMethods(Declared).Where(m => !m.IsSpecialName && m.Name != "Deconstruct"));
            foreach (MethodBase member in members)
            {
                foreach (ParameterInfo parameter in member.GetParameters().Where(p => !p.IsOut && IsEnum(p.ParameterType)))
                {
                    inputs.Add($"{type.FullName}.{member.Name}({parameter.Name})");
                }
            }

            foreach (PropertyInfo property in type.GetProperties(Declared).Where(p => p.SetMethod is { IsPublic: true } && IsEnum(p.PropertyType)))
            {
                inputs.Add($"{type.FullName}.{property.Name}");
            }
        }

        return [.. inputs];
    }
}
