using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting.Systemd;
using Milter.Daemon.Startup;

namespace Milter.Daemon.Hosting;

/// <summary>
/// SIGHUP and SIGUSR1 (opendkim's reload signal, which Debian's unit sends from ExecReload) run the
/// <see cref="ConfigurationReloader"/> instead of ending the process. Under systemd the reload is announced
/// (RELOADING=1, then READY=1) so <c>systemctl status</c> shows it.
/// </summary>
internal sealed class ReloadSignals : IDisposable
{
    /// <summary>SIGUSR1 on Linux (x86_64 and aarch64); .NET takes raw signal numbers cast to PosixSignal.</summary>
    private const PosixSignal SigUsr1 = (PosixSignal)10;

    private readonly PosixSignalRegistration[] _registrations;
    private readonly ConfigurationReloader _reloader;
    private readonly ISystemdNotifier? _notifier;
    private readonly SemaphoreSlim _pending = new(1, 1);

    public ReloadSignals(ConfigurationReloader reloader, ISystemdNotifier? notifier)
    {
        _reloader = reloader;
        _notifier = notifier;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
            PosixSignalRegistration.Create(SigUsr1, OnSignal),
        ];
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        // Several signals in a row need one reload after the last, not one each: a reload already waiting to
        // run will read the file as it is by then.
        if (_pending.Wait(0))
        {
            _ = Task.Run(Reload);
        }
    }

    private void Reload()
    {
        _pending.Release();
        if (_notifier?.IsEnabled == true)
        {
            _notifier.Notify(new ServiceState("RELOADING=1"));
        }

        bool reloaded = _reloader.Reload();
        if (_notifier?.IsEnabled == true)
        {
            _notifier.Notify(ServiceState.Ready);
            _notifier.Notify(new ServiceState(reloaded ? "STATUS=configuration reloaded" : "STATUS=reload refused: see the log; running with the previous configuration"));
        }
    }
}
