include:config <time.cfg>
include:config "xxx.cfg"
