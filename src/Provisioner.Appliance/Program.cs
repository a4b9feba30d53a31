using Provisioner.Appliance.Hosting;

return await ApplianceProgram.RunAsync(args);
