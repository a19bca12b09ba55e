// Placeholder entry point; commands land in src/cli/commands/.
process.stdout.write('runts version 0.1.0\n');
