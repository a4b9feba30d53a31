using System.Globalization;
using System.Net;
using Provisioner.Boot.Inventory;
using Provisioner.Boot.Timeline;
using Provisioner.Core.Boot;
using Provisioner.Tftp.Server;

namespace Provisioner.Boot.Tftp;

/// <summary>Puts every TFTP transfer (file, size, duration, outcome) on the timeline of the node holding the client's address.</summary>
public sealed class TimelineTftpObserver(BootTimeline timeline, ClientAddressBook addresses) : ITftpObserver
{
    public void TransferStarted(IPEndPoint client, string path, long fileSize)
    {
    }

    public void TransferEnded(TftpTransferRecord transfer)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        var mac = addresses.Find(transfer.Client.Address);
        var rate = transfer.Duration.TotalSeconds > 0 ? transfer.BytesSent / transfer.Duration.TotalSeconds / 1e6 : 0;
        var detail = transfer.Detail is null ? string.Empty : ": " + transfer.Detail;
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"TFTP {transfer.FileName} to {transfer.Client.Address}: {transfer.Outcome}, {transfer.BytesSent} bytes in {transfer.Duration.TotalSeconds:0.00} s ({rate:0.0} MB/s, blksize {transfer.BlockSize}, window {transfer.WindowSize}){detail}");
        timeline.Record(BootEventSource.Tftp, "tftp-transfer", summary, mac, details: new
        {
            file = transfer.FileName,
            client = transfer.Client.ToString(),
            size = transfer.FileSize,
            bytes = transfer.BytesSent,
            seconds = transfer.Duration.TotalSeconds,
            outcome = transfer.Outcome.ToString(),
            blksize = transfer.BlockSize,
            window = transfer.WindowSize,
            retransmissions = transfer.Retransmissions,
        });
    }
}
