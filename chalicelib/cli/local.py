"""placeholder"""
import click
@click.command()
def local() -> None:
    pass
@click.command()
def demo() -> None:
    pass
