"""The `keras-gan` command: one module per subcommand."""
