datacenter = "east-aws"
data_dir = "/opt/consul"
