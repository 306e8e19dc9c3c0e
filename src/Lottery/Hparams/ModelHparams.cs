namespace Lottery.Hparams;

/// <param name="Model">Registry name: lenet_300_100 (any lenet_W1_W2…), conv2, conv4, conv6.</param>
/// <param name="Initializer">glorot_normal (the paper), glorot_uniform, kaiming_normal, kaiming_uniform.</param>
/// <param name="Dropout">Dropout rate on the fully-connected hidden layers; 0 = none.</param>
/// <param name="Architecture">A network built in code (the library API): hash of its module tree, shapes and layer
/// outputs (<see cref="Models.ModuleTree.Describe"/>), so that two different networks under one name never share a run
/// directory. Null for the built-in networks, whose name says everything.</param>
public sealed record ModelHparams(string Model, string Initializer = "glorot_normal", double Dropout = 0, string? Architecture = null)
{
    public Canonical ToCanonical() => new Canonical()
        .Add("model", Model)
        .Add("initializer", Initializer, "glorot_normal")
        .Add("dropout", Dropout, 0)
        .Add("architecture", Architecture);

    /// <summary>True for a network built in code by the library's user rather than taken from the registry.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsCustom => Architecture is not null;

    public void Validate()
    {
        if (!(Dropout >= 0 && Dropout < 1)) throw new HparamsException($"dropout must be in [0, 1) (got {Dropout})");
    }
}
