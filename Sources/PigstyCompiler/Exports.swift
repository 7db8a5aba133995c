// PigstyCompiler is the facade the command line uses: it re-exports the stages' libraries.
@_exported import PigstyBackends
@_exported import PigstyDeploy
@_exported import PigstyModel
@_exported import PigstyOutput
