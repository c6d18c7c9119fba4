using Spindle.Cluster.Client;

namespace Spindle.Cluster.Tests;

/// <summary>Who may run a call in flight: the rules the client answers agents' claims and notices by.</summary>
public sealed class FlightTests
{
    private const string FirstDelivery = "$JS.ACK.SPINDLE_x_CALLS.agents.1.17.9.1796547053990128866.0";
    private const string SecondDelivery = "$JS.ACK.SPINDLE_x_CALLS.agents.2.17.12.1796547053990128866.0";

    [Fact]
    public void TryClaim_SameDeliveryAsksAgain_GetsTheSameAnswer()
    {
        Flight flight = NewFlight();

        Assert.True(flight.TryClaim("a", FirstDelivery));
        Assert.True(flight.TryClaim("a", FirstDelivery));
        Assert.False(flight.TryClaim("b", FirstDelivery));
        Assert.Equal("a", flight.Agent);
    }

    [Fact]
    public void TryClaim_LaterDeliveryOfAClaimedCall_IsRefused()
    {
        // Agent a has it (and may be running it, or have died with it, which its silence tells): b's copy must not run.
        Flight flight = NewFlight();
        Assert.True(flight.TryClaim("a", FirstDelivery));

        Assert.False(flight.TryClaim("b", SecondDelivery));
        Assert.Equal("a", flight.Agent);
        Assert.Equal(FirstDelivery, flight.AckSubject);
    }

    [Fact]
    public void TryClaim_AfterWithdraw_IsRefused()
    {
        Flight flight = NewFlight();
        Assert.True(flight.TryWithdraw());

        Assert.False(flight.TryClaim("a", FirstDelivery));
    }

    // The rules read none of the call's or worker's state.
    private static Flight NewFlight() => new(call: null!, worker: null!, attempt: 0, key: "client.1.0");
}
