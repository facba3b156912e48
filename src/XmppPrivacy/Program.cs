using XmppPrivacy.Hosting;

return await Cli.RunAsync(args);
