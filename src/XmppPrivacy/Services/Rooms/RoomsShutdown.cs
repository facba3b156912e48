using Microsoft.Extensions.Hosting;

namespace XmppPrivacy.Services.Rooms;

/// <summary>
/// When the component stops, every occupant learns that it left the room because the service went down
/// (status 332), before the connections close: hosted services are all told "stopping" before any of them
/// stops, so the rooms connection is still open here.
/// </summary>
public sealed class RoomsShutdown(RoomsService rooms) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => rooms.ShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
