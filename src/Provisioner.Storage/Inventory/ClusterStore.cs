using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Inventory;

internal sealed class ClusterStore(StoreDatabase db) : NamedDocumentStore<Cluster>(db, "clusters", "cluster"), IClusterRepository
{
    protected override Guid IdOf(Cluster item) => item.Id;

    protected override string NameOf(Cluster item) => item.Name;
}
