using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Inventory;

internal sealed class ProfileStore(StoreDatabase db) : NamedDocumentStore<TemplateProfile>(db, "profiles", "profile"), IProfileRepository
{
    protected override Guid IdOf(TemplateProfile item) => item.Id;

    protected override string NameOf(TemplateProfile item) => item.Name;
}
