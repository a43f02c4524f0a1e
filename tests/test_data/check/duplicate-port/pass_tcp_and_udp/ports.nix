{
  syslogTcp = 5514;
  syslogUdp = 5514;
}
