{
  dynamic = { from = 49152; to = 65535; };
  dev = { vite = 5173; storybook = 6006; };
}
