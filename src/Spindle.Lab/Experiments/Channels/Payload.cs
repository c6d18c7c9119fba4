namespace Spindle.Lab.Experiments.Channels;

/// <summary>Message bodies with varied bytes, so an echo that drops or reorders data shows.</summary>
internal static class Payload
{
    public static byte[] Create(int length)
    {
        byte[] bytes = GC.AllocateUninitializedArray<byte>(length);
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 31 + 7);
        }

        return bytes;
    }
}
