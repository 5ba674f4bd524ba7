"""`iapgen render`: the Pulumi program run offline under the SDK's mocks, and the files it writes."""
