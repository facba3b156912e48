using Microsoft.AspNetCore.Builder;

var app = WebApplication.CreateSlimBuilder(args).Build();
app.MapGet("/health", () => "ok");
app.Run();
