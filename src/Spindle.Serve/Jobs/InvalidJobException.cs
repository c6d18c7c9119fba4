namespace Spindle.Serve.Jobs;

/// <summary>A job request with a field out of range; <see cref="Field"/> is the field as the client spelled it.</summary>
internal sealed class InvalidJobException(string field, string message) : SpindleException(message)
{
    public string Field { get; } = field;
}
