from dapaicha.cli.commands import main

main()
