import typer

app = typer.Typer(help="talkscan")
