namespace Spindle.Shared;

/// <summary>What a shared segment holds; stored in its header so opening it as something else fails clearly.</summary>
internal enum SharedObjectKind
{
    Memory = 1,
    Array = 2,
    Lock = 3,
    Semaphore = 4,
    Event = 5,
    Barrier = 6,
    Condition = 7,
    Value = 8,
    Pipe = 16,
    MessageQueue = 17,
    Listener = 18,
}
