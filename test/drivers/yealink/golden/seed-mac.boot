include:config <test.cfg>
include:config "http://10.20.0.92/mac.cfg"
