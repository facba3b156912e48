namespace XmppPrivacy.Services.Accounts;

/// <summary>
/// Told of each new account, once, after what an earlier account of the same name left was deleted (the welcome
/// message). A replay of a registration already seen is not told again.
/// </summary>
public interface IRegistrationListener
{
    Task RegisteredAsync(Account account, CancellationToken cancellationToken);
}
