from crank_cli.cli import main

main()
