using System.Data.Common;

namespace XmppPrivacy.Storage;

/// <summary>Small helpers the stores share.</summary>
public static class Db
{
    public static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }
}
