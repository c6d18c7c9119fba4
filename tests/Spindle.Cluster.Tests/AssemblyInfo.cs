// One test class at a time: each starts its own nats-server and agent processes, and several tests count on an agent's
// signs of life arriving within a few seconds, which a machine busy with other classes' agents could delay.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
