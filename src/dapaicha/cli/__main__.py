from dapaicha.cli.main import main

main()
